"""Journey 5: bring your own data. Two CSV files (one Latin-1 with semicolons) are uploaded, the
guessed roles corrected, and every page works on them."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import SAMPLES, go_to, open_app, settle, upload
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser
REGIONS = ["Île-de-France", "Bourgogne-Franche-Comté", "Provence-Alpes-Côte d'Azur"]


@pytest.fixture
def own_files(tmp_path):
    real = pd.read_parquet(SAMPLES / "adult.parquet").sample(4000, random_state=1)
    synth = pd.read_parquet(SAMPLES / "adult_synthetic.parquet").sample(4000, random_state=2)
    for frame, seed in ((real, 3), (synth, 4)):
        frame["région"] = pd.Series(REGIONS).sample(len(frame), replace=True, random_state=seed).values
    real_path, synth_path = tmp_path / "mine_real.csv", tmp_path / "mine_synthetic.csv"
    real.to_csv(real_path, sep=";", index=False, encoding="latin-1")
    synth.to_csv(synth_path, index=False, encoding="utf-8")
    return real_path, synth_path


def test_uploaded_pair_with_corrected_roles_works_on_every_page(page: Page, app_url, own_files, shot):
    open_app(page, app_url)
    page.get_by_role("tab", name="Upload your own").click()
    upload(page, 0, own_files[0])
    upload(page, 1, own_files[1])
    expect(page.get_by_text("Uploaded pair loaded")).to_be_visible()
    settle(page)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text("mine_real.csv (4,000 rows)")
    expect(sidebar).to_contain_text("Protected: race, sex")

    # Correct the guess: compare by sex only.
    roles = page.get_by_test_id("stForm")
    roles.get_by_role("button", name="Remove race").first.click()
    roles.get_by_role("button", name="Apply roles").click()
    expect(page.get_by_text("Roles applied:")).to_be_visible()
    settle(page)
    expect(sidebar).to_contain_text("Protected: sex")
    shot("journey5_data")

    for title in ("Representativeness", "Fairness", "Drift", "Generation", "Privacy", "Notes & export"):
        go_to(page, title)
        if title in ("Representativeness", "Fairness"):
            drawn = page.get_by_test_id("stPlotlyChart").first.locator(".main-svg").first
            expect(drawn).to_be_visible()
        expect(page.get_by_test_id("stException")).to_have_count(0)
        shot(f"journey5_{title.split()[0].lower()}")
