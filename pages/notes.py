"""Notes & export page: the audit's findings, a mitigation note per finding, free notes, downloads."""

import streamlit as st

from fairsynth.foundation.errors import FairSynthError
from fairsynth.foundation.windows import DEFAULT_FREQ, FREQS
from fairsynth.governance.audit import AuditOptions, run_audit
from fairsynth.governance.export import EXPORTS
from fairsynth.governance.lineage import settings_record
from fairsynth.governance.notes import (
    STATUSES,
    MitigationNote,
    merge_notes,
    new_note,
    notes_from_json,
    notes_to_json,
    resolved_notes,
)
from fairsynth.governance.policy import parse_policy
from fairsynth.ui.adoption import SETTINGS_KEY as ADOPTED_SETTINGS_KEY
from fairsynth.ui.cache import cached_call
from fairsynth.ui.focus import fix_in_generation_button
from fairsynth.ui.govern import save_to_registry
from fairsynth.ui.state import NOTES_ERROR_KEY, require_pair, session_notes, store_session_notes

# The Generation page may record the settings that made a synthetic side, keyed by its sha256.
SETTINGS_KEY = ADOPTED_SETTINGS_KEY
# What each finding said when last seen, so a resolved one can still be named.
SEEN_KEY = "finding_sentences"
SEVERITY_ICONS = {"critical": ":red-badge[critical]", "high": ":red-badge[high]",
                  "medium": ":orange-badge[medium]", "low": ":gray-badge[low]"}

pair = require_pair()
st.title("Notes & export")
st.caption("Every finding of the audit, what is done about it, and the summary to keep: "
           "JSON, Markdown, a self-contained HTML page and CSV tables.")


def current_notes() -> list[MitigationNote]:
    """The session's notes (restored from the autosave of this URL's session on first use)."""
    return session_notes()


def save_notes(notes: list[MitigationNote]) -> None:
    """Keep the notes in the session and autosave them (see governance/notes_store.py)."""
    store_session_notes(notes)


def note_form(code: str, note: MitigationNote | None, notes: list[MitigationNote]) -> None:
    """The mitigation note form of finding `code`: saves a new note or updates `note` in `notes`."""
    # Keyed by the finding's code, not its position: when findings come and go (a new
    # synthetic side), a form must not inherit another finding's half-typed note.
    with st.form(f"note_form_{code}"):
        action = st.text_input("Action", value=note.action if note else "", key=f"note_action_{code}")
        owner = st.text_input("Owner", value=note.owner if note else "", key=f"note_owner_{code}")
        status_value = st.selectbox("Status", STATUSES,
                                    index=STATUSES.index(note.status) if note else 0,
                                    key=f"note_status_{code}")
        rationale = st.text_area("Rationale", value=note.rationale if note else "",
                                 key=f"note_rationale_{code}")
        if st.form_submit_button("Save note"):
            try:
                if note is None:
                    saved = new_note(action=action, finding_code=code, owner=owner,
                                     status=status_value, rationale=rationale)
                    save_notes([*notes, saved])
                else:
                    saved = note.updated_with(action=action, owner=owner, status=status_value,
                                              rationale=rationale)
                    save_notes([saved if n.id == note.id else n for n in notes])
                st.rerun()
            except FairSynthError as exc:
                st.error(str(exc))


with st.expander("Audit options and policy"):
    left, right = st.columns(2)
    min_count = left.number_input("Minimum subgroup count", min_value=1, value=AuditOptions.min_count, step=5,
                                  key="notes_min_count")
    max_order = left.selectbox("Largest intersection", [1, 2, 3], index=2, key="notes_max_order")
    freq = right.selectbox("Drift window", list(FREQS), index=list(FREQS).index(DEFAULT_FREQ),
                          format_func=FREQS.get, key="notes_freq",
                           help="Only used when a time column is set.")
    include_tstr = right.toggle("Train on synthetic, test on real (slower)", key="notes_tstr")
    policy_file = st.file_uploader("Policy TOML (optional; see policy.example.toml)", type=["toml"],
                                   key="notes_policy")

policy = None
if policy_file is not None:
    try:
        policy = parse_policy(policy_file.getvalue().decode("utf-8", errors="replace"),
                              source=policy_file.name)
    except FairSynthError as exc:
        st.error(str(exc))

try:
    options = AuditOptions(min_count=int(min_count), max_order=int(max_order), freq=freq,
                           include_tstr=include_tstr)
    settings = st.session_state.get(SETTINGS_KEY, {}).get(pair.synthetic_sha256)
    with st.spinner("Running the audit…"):
        base = cached_call(run_audit, pair, options=options.to_dict(),
                           generator_settings=settings_record(settings))
except FairSynthError as exc:
    st.error(str(exc))
    st.stop()

notes = current_notes()
if store_error := st.session_state.get(NOTES_ERROR_KEY):
    st.warning(store_error)
report = base.with_notes(notes).with_policy(policy)

summary = st.columns(4)
counts = {s: sum(f.severity == s for f in report.findings) for s in SEVERITY_ICONS}
for col, (severity, n) in zip(summary, counts.items(), strict=True):
    col.metric(f"{severity.capitalize()} findings", n)
if report.policy is not None:
    if report.policy.passed:
        st.success(f"Policy **{policy.source}** passed ({len(report.policy.checks)} checks).")
    else:
        st.error(f"Policy **{policy.source}** failed: "
                 + "; ".join(c.explanation for c in report.policy.failed))
for part in report.parts:
    if part.status == "error":
        st.warning(f"The {part.part.replace('_', ' ')} part could not run: {part.message}")

# The tabs rerun on a switch so the Export tab builds its files only while it is open.
tab_findings, tab_free, tab_export, tab_registry = st.tabs(
    ["Findings", "Free notes", "Export", "Save to registry"], key="notes_tab", on_change="rerun")

seen = st.session_state.setdefault(SEEN_KEY, {})
seen.update((finding.code, finding.sentence) for finding in report.findings)
# Drawn only while its tab is open: a note added or an export built on another tab does not
# redraw every finding (the browser's work on this page grows with the number of findings).
with tab_findings:
    if tab_findings.open:
        if not report.findings:
            st.info("No finding: the synthetic data matches the real data on every check run.")
        by_code = {}
        for note in notes:
            if note.finding_code is not None:
                by_code.setdefault(note.finding_code, note)
        for finding in report.findings:
            note = by_code.get(finding.code)
            status = f" · note: **{note.status}**" if note else ""
            st.markdown(f"{SEVERITY_ICONS[finding.severity]} {finding.sentence}{status}",
                        help=f"Finding code: {finding.code}")
            fix_in_generation_button(finding.code)
            # The form is built only once its expander is opened (which reruns the page): a closed
            # one costs the browser almost nothing, and COMPAS alone raises about 30 findings.
            note_box = st.expander("Mitigation note", key=f"note_open_{finding.code}",
                                   on_change="rerun")
            if note_box.open:
                with note_box:
                    note_form(finding.code, note, notes)
        resolved = resolved_notes(notes, (f.code for f in report.findings))
        if resolved:
            st.subheader("Resolved findings")
            st.caption("Findings a note was written for that this audit no longer raises (for example "
                       "after adopting a regenerated synthetic side). The notes stay attached to the "
                       "finding's code.")
            for note in resolved:
                said = seen.get(note.finding_code, f"finding `{note.finding_code}`")
                st.markdown(f":green-badge[resolved] {said} · note: **{note.status}**: {note.action}",
                            help=f"Finding code: {note.finding_code}")

with tab_free:
    with st.form("free_note_form", clear_on_submit=True):
        action = st.text_input("Note", key="free_action")
        owner = st.text_input("Owner", key="free_owner")
        status_value = st.selectbox("Status", STATUSES, key="free_status")
        rationale = st.text_area("Rationale", key="free_rationale")
        if st.form_submit_button("Add note"):
            if not action.strip():
                st.error("Write the note first.")
            else:
                try:
                    save_notes([*notes, new_note(action=action, owner=owner, status=status_value,
                                                 rationale=rationale)])
                    st.rerun()
                except FairSynthError as exc:
                    st.error(str(exc))
    st.caption("Notes are saved as you write them, under this page's link (the `s=` part of the "
               "address): open the same link after a reload or a restart to continue. Anyone with "
               "the link can read them.")
    if notes:
        st.dataframe([n.to_dict() for n in notes], hide_index=True,
                     column_order=["finding_code", "action", "owner", "status", "rationale", "updated"])
        st.caption("Every note of this session; notes without a finding code are free notes.")
    upload = st.file_uploader("Import notes (JSON from a previous export or a report)", type=["json"],
                              key="notes_import")
    if upload is not None and st.session_state.get("notes_imported") != upload.file_id:
        try:
            imported = notes_from_json(upload.getvalue())
            save_notes(merge_notes(notes, imported))
            st.session_state["notes_imported"] = upload.file_id
            st.success(f"Imported {len(imported)} note(s).")
            st.rerun()
        except FairSynthError as exc:
            st.error(str(exc))

with tab_export:
    st.caption("The same files as `fairsynth audit --out`; the HTML page opens offline with "
               "interactive charts.")
    labels = {"html": "HTML summary", "json": "JSON report", "markdown": "Markdown summary",
              "csv": "CSV tables (zip)"}
    stem = "fairsynth_report"
    if tab_export.open:
        cols = st.columns(len(EXPORTS) + 1)
        # The files are built while the tab opens and handed to Streamlit as bytes: a deferred
        # (callable) download's file is unowned until the browser fetches it, and another
        # session's rerun ending in between deletes it ("Download.path: canceled" under load).
        with st.spinner("Preparing the files…"):
            files = {name: spec.render(report) for name, spec in EXPORTS.items()}
        for col, (name, spec) in zip(cols, EXPORTS.items(), strict=False):
            col.download_button(labels.get(name, name), data=files[name],
                                file_name=f"{stem}{spec.extension}", mime=spec.media_type,
                                key=f"download_{name}", on_click="ignore")
        cols[-1].download_button("Notes (JSON)", data=notes_to_json(notes).encode(),
                                 file_name="fairsynth_notes.json", mime="application/json",
                                 key="download_notes", on_click="ignore")

with tab_registry:
    st.caption("Registers both files as versions of a project, this audit run under the project's "
               "policy, and the notes above on the synthetic version.")
    save_to_registry(pair, key="notes")
