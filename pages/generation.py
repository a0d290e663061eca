"""Generation page: tune the conditional synthesizer, see the expected effect, generate, compare."""

from dataclasses import replace

import streamlit as st

from fairsynth.foundation.errors import FairSynthError
from fairsynth.generation import GenerationSettings, fit_dp_synthesizer
from fairsynth.generation.compare import (
    before_after,
    expected_effect,
    fidelity_before_after,
    focus_attribute,
)
from fairsynth.generation.dp_budget import ledger_sentence
from fairsynth.generation.library import list_approved, load_approved, save_approved, settings_dir
from fairsynth.generation.settings import (
    MODES,
    SEPARATOR,
    conditioning_candidates,
    default_conditioning,
)
from fairsynth.governance.charts.generation import (
    expected_impact,
    expected_shares,
    fidelity_change,
    gap_change,
    impact_change,
)
from fairsynth.ui.adoption import adopt_generated, show_adoption_flash
from fairsynth.ui.cache import fitted_synthesizer
from fairsynth.ui.dp_panel import dp_budget_widgets, sweep_panel
from fairsynth.ui.focus import requested_focus
from fairsynth.ui.memory_guard import hold_for_frame, reserve_generation
from fairsynth.ui.state import require_pair, session_token

AS_REAL = "(as in real data)"
RESULT_KEY = "gen_result"

pair = require_pair()
roles = pair.roles
real = pair.real
st.title("Generation")
st.caption("Generate a new synthetic side with FairSynth's conditional synthesizer (a Gaussian "
           "copula per protected group), with the group shares and outcome rates you choose.")
show_adoption_flash()
if (focus := requested_focus()) is not None:
    st.info(f"Opened from a finding about **{focus.replace(SEPARATOR, ' & ')}**: the comparison "
            "after **Generate** opens on it. Set its target shares or rates below.")


def _load_into_widgets(name: str) -> None:
    """Put a saved configuration into the widgets (runs before they are drawn)."""
    try:
        item = load_approved(name)
    except FairSynthError as exc:
        st.session_state["gen_load_error"] = str(exc)
        return
    s = item.settings
    st.session_state["gen_conditioning"] = list(s.conditioning)
    st.session_state["gen_rows"], st.session_state["gen_mode"] = s.rows, s.mode
    st.session_state["gen_seed"] = s.seed
    for kind, values in (("share", s.shares), ("rate", s.outcome_rates)):
        level = AS_REAL
        if values:
            try:
                level = SEPARATOR.join(s.share_level(real) if kind == "share" else s.rate_level(real))
            except FairSynthError as exc:
                st.session_state["gen_load_error"] = str(exc)
                return
        st.session_state[f"gen_{kind}_level"] = level
    st.session_state["gen_prefill"] = {"share": s.shares, "rate": s.outcome_rates}
    st.session_state["gen_editor_version"] = st.session_state.get("gen_editor_version", 0) + 1
    st.session_state["gen_loaded_name"] = f"{item.name} (approved by {item.approved_by})"


# ---------------------------------------------------------------- settings
candidates = conditioning_candidates(real, roles)
st.session_state.setdefault("gen_conditioning", list(default_conditioning(real, roles)))
st.session_state.setdefault("gen_rows", len(real))
st.session_state.setdefault("gen_seed", 0)
left, right = st.columns([2, 1])
conditioning = tuple(left.multiselect(
    "Conditioning attributes (each group gets its own distributions and correlations)",
    candidates, key="gen_conditioning"))
rows = right.number_input("Rows", min_value=1, max_value=5_000_000, step=1000, key="gen_rows")
mode = right.radio("Mode", MODES, horizontal=True, key="gen_mode",
                   help="replace: all rows synthetic. augment: the real rows plus only the "
                        "synthetic rows needed to reach the target shares (rows is then a minimum).")
seed = right.number_input("Seed", min_value=0, step=1, key="gen_seed")
if st.session_state.get("gen_loaded_name"):
    st.info(f"Loaded approved settings: {st.session_state['gen_loaded_name']}.")
if st.session_state.get("gen_load_error"):
    st.error(st.session_state.pop("gen_load_error"))

try:
    model = fitted_synthesizer(pair, conditioning, int(seed))
    baseline = GenerationSettings(rows=len(real), conditioning=conditioning)
    real_groups = expected_effect(model.plan(baseline), baseline)
except FairSynthError as exc:
    st.error(str(exc))
    st.stop()

levels = [AS_REAL, *[SEPARATOR.join([c]) for c in conditioning]]
if len(conditioning) > 1:
    levels.append(SEPARATOR.join(conditioning))
version = st.session_state.get("gen_editor_version", 0)
prefill = st.session_state.get("gen_prefill", {"share": {}, "rate": {}})


def _editor(kind: str, label: str, real_col: str,
            help_text: str) -> tuple[tuple[str, ...], dict[str, float]]:
    """A table of groups with their real value and an editable target; returns its attributes and the changed targets."""
    key = f"gen_{kind}_level"
    if st.session_state.get(key) not in levels:
        st.session_state[key] = AS_REAL
    level = st.selectbox(f"{label} for", levels, key=key, help=help_text)
    if level == AS_REAL:
        return (), {}
    # The level travels with the targets: labels alone can be values of two attributes.
    attrs = tuple(level.split(SEPARATOR))
    part = real_groups[real_groups["attribute"] == level][["group", real_col]].reset_index(drop=True)
    given = prefill.get(kind, {})
    part["target"] = [given.get(g, v) for g, v in zip(part["group"], part[real_col], strict=True)]
    edited = st.data_editor(
        part, hide_index=True, disabled=["group", real_col], key=f"gen_{kind}_editor_{level}_{version}",
        column_config={real_col: st.column_config.NumberColumn(f"real {label.lower()}", format="%.4f"),
                       "target": st.column_config.NumberColumn(f"target {label.lower()}", min_value=0.0,
                                                               max_value=1.0, format="%.4f")})
    changed = (edited["target"] - edited[real_col]).abs() > 1e-12
    if kind == "rate":
        rates = {g: float(t) for g, t, c in zip(edited["group"], edited["target"], changed, strict=True) if c}
        return (attrs if rates else ()), rates
    if not changed.any():
        return (), {}
    st.caption(f"Target shares sum to {edited['target'].sum():.4f} (must be 1).")
    return attrs, {g: float(t) for g, t in zip(edited["group"], edited["target"], strict=True)}


shares_col, rates_col = st.columns(2)
with shares_col:
    shares_by, shares = _editor("share", "Share", "real_share",
                     "Groups you set to 0 get no rows. Other attributes are split as in the real data.")
with rates_col:
    if roles.target and roles.favorable is not None:
        rates_by, rates = _editor("rate", "Rate", "real_rate",
                        f"Rate of {roles.target} = {roles.favorable}. Within a group, its subgroups "
                        "move together on the log-odds scale.")
    else:
        rates_by, rates = (), {}
        st.info("Set a target and its favourable value on the Data page to tune outcome rates.")

try:
    settings = GenerationSettings(rows=int(rows), conditioning=conditioning, shares=shares,
                                  outcome_rates=rates, shares_by=shares_by, rates_by=rates_by,
                                  mode=mode, seed=int(seed))
    settings.validate_against(real, roles)
    expected = expected_effect(model.plan(settings), settings)
except FairSynthError as exc:
    st.error(str(exc))
    st.stop()

# ---------------------------------------------------------------- expected effect
st.subheader("Expected effect (before generating)")
attributes = list(dict.fromkeys(expected["attribute"]))
if (focus := requested_focus()) in attributes and st.session_state.get("gen_focus_shown") != focus:
    st.session_state["gen_expected_attribute"] = focus  # once per request; the user may move on
    st.session_state["gen_focus_shown"] = focus
shown = st.selectbox("Show groups of", attributes, key="gen_expected_attribute")
st.dataframe(expected[expected["attribute"] == shown], hide_index=True,
             column_config={c: st.column_config.NumberColumn(format="%.3f") for c in
                            ("real_share", "expected_share", "real_rate", "expected_rate",
                             "real_ratio", "expected_ratio")})
chart_left, chart_right = st.columns(2)
chart_left.plotly_chart(expected_shares(expected, shown))
chart_left.caption("Each group's share of rows in the real data and the exact share these settings "
                   "will generate.")
if roles.target and roles.favorable is not None:
    chart_right.plotly_chart(expected_impact(expected, shown))
    chart_right.caption("Each group's favourable-outcome rate divided by the highest group's, in "
                        "the real data and as these settings will generate it; dashed: 0.8.")

# ---------------------------------------------------------------- generate
privacy = dp_budget_widgets()
if st.button("Generate", type="primary", key="gen_generate"):
    bar = st.progress(0.0, text="Generating…")
    reservation = None
    try:
        # A large table is admitted against the server's memory budget before it is made (augment
        # keeps the real rows too, so its size is bounded by both).
        made_rows = settings.rows + (len(real) if settings.mode == "augment" else 0)
        reservation = reserve_generation(session_token(), pair.synthetic, made_rows)
        # What the Notes page puts in the lineage: the settings, and the ledger of a DP run.
        record = settings.to_dict()
        if privacy:
            dp_settings = replace(settings, **privacy)
            fitted = fit_dp_synthesizer(real, roles, dp_settings)
            frame = fitted.sample(dp_settings)
            record = {**dp_settings.to_dict(), "privacy_ledger": fitted.ledger_.to_dict()}
            st.info(ledger_sentence(record["privacy_ledger"]))
        else:
            frame = model.sample(settings, progress=lambda f: bar.progress(min(1.0, f), text="Generating…"))
        label = f"generated ({len(frame):,} rows, {settings.mode}, seed {settings.seed})"
        after = pair.with_synthetic(frame, name=label)
        hold_for_frame(reservation, after.synthetic)
        reservation = None
        table = before_after(pair, after)
        st.session_state[RESULT_KEY] = {
            "pair_hash": pair.content_hash, "settings": record, "after": after,
            "table": table, "fidelity": fidelity_before_after(pair, after),
        }
        # Open the comparison on what these settings were meant to fix (set before it is drawn).
        st.session_state["gen_compare_attribute"] = focus_attribute(table, settings,
                                                                    preferred=requested_focus())
    except FairSynthError as exc:  # MemoryBudgetError too: nothing was made
        st.error(str(exc))
    finally:
        if reservation is not None:  # not made after all
            reservation.release()
    bar.empty()

result = st.session_state.get(RESULT_KEY)
if result and result["pair_hash"] == pair.content_hash:
    st.subheader("Before and after")
    st.caption(f"Before: the current synthetic side ({pair.synthetic_name}). After: "
               f"{result['after'].synthetic_name}.")
    table = result["table"]
    compared = st.selectbox("Compare groups of", list(dict.fromkeys(table["attribute"])),
                            key="gen_compare_attribute")
    st.dataframe(table[table["attribute"] == compared], hide_index=True,
                 column_config={c: st.column_config.NumberColumn(format="%.3f") for c in table.columns[2:]})
    gap_col, impact_col = st.columns(2)
    gap_col.plotly_chart(gap_change(table, compared))
    gap_col.caption("Synthetic minus real share of each group, for the current synthetic side and "
                    "the generated one; zero means represented as in the real data.")
    if table["real_ratio"].notna().any():
        impact_col.plotly_chart(impact_change(table, compared))
        impact_col.caption("Disparate impact ratio per group in the real data, the current synthetic "
                           "side and the generated one; dashed: the four-fifths threshold.")
    st.plotly_chart(fidelity_change(result["fidelity"]))
    st.caption("Per column, 1 minus the KS (numbers) or total variation (categories) distance to "
               "the real data, for the current and the generated synthetic side.")
    if st.button("Use the generated table as the synthetic side", key="gen_adopt"):
        adopt_generated(pair, result["after"], result["settings"], result["table"])
        del st.session_state[RESULT_KEY]
        st.rerun()

sweep_panel(pair)

# ---------------------------------------------------------------- library
st.subheader("Approved settings")
st.caption(f"Named configurations saved as TOML in `{settings_dir()}` with who approved them, "
           "why and when; `fairsynth generate --settings FILE` reads them too.")
with st.form("gen_save_form", clear_on_submit=False):
    name = st.text_input("Name", key="gen_save_name")
    who = st.text_input("Approved by", key="gen_save_who")
    why = st.text_area("Reason (required)", key="gen_save_why")
    if st.form_submit_button("Save current settings"):
        try:
            # The file holds the shares and rates used and the hash of the data they were tried on.
            saved = save_approved(settings, name=name, approved_by=who, reason=why,
                                  plan=model.plan(settings), dataset_sha256=pair.real_sha256)
            st.success(f"Saved '{saved.name}' to {saved.path.name}.")
        except FairSynthError as exc:
            st.error(str(exc))
library = list_approved()
if library.empty:
    st.info("No approved settings yet.")
else:
    st.dataframe(library.drop(columns=["path"]), hide_index=True)
    pick = st.selectbox("Configuration", library["name"].tolist(), key="gen_load_pick")
    st.button("Load into the settings above", key="gen_load", on_click=_load_into_widgets, args=(pick,))
