"""A small registry for the Govern page tests: users of every role, one project under the example
policy, a real seed and two synthetic versions registered by bob with audit runs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from registry_reports import record

from fairsynth.foundation.paths import resource
from fairsynth.governance.registry.store import Registry

USERS = {"alice": "admin", "bob": "analyst", "carol": "approver", "vic": "viewer"}


def build_registry(folder: Path) -> dict:
    """Registry at $FAIRSYNTH_DATA_DIR/registry.db (the caller sets the env); returns version ids."""
    files = folder / "files"
    files.mkdir(parents=True)
    real = pd.DataFrame({"sex": ["F", "M"] * 20, "income": ["<=50K", ">50K", ">50K", "<=50K"] * 10})
    paths = {"real": files / "real.csv", "passing": files / "passing.csv",
             "failing": files / "failing.csv"}
    real.to_csv(paths["real"], index=False)
    real.iloc[::-1].to_csv(paths["passing"], index=False)
    real.sample(frac=1, random_state=3).to_csv(paths["failing"], index=False)
    reg = Registry.open()
    try:
        reg.init("alice")
        for user, role in USERS.items():
            if user != "alice":
                reg.grant("alice", user, role)
        reg.create_project("alice", "adult", purpose="train income models", uses=["training"],
                           policy_toml=resource("policy.example.toml").read_text(), review_days=30)
        seed, _ = reg.register("bob", paths["real"], project="adult", kind="real")
        passing, _ = reg.register("bob", paths["passing"], project="adult", kind="synthetic",
                                  parent=str(seed))
        failing, _ = reg.register("bob", paths["failing"], project="adult", kind="synthetic",
                                  parent=str(seed))
        record(reg, seed, failing, "max_abs_share_gap")
        record(reg, seed, passing, "max_abs_share_gap")
        record(reg, seed, passing)  # a second run that passes: the page draws two points
        return {"seed": seed, "passing": passing, "failing": failing}
    finally:
        reg.close()
