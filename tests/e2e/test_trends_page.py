"""The Trends page in a real browser: the campaign verdict and the campaign marked on the chart."""

import re

from dashboard.campaign import CAMPAIGN_FILL, CAMPAIGN_LABEL
from tests.e2e.test_map_page import ARTIFACTS

SENTENCE = re.compile(
    r"Outreach activities per week in Barnet rose from about [\d.,]+ in the 4 weeks before "
    r"to about [\d.,]+ during the campaign; a change this large is unlikely by chance\."
)


def campaign_band(page):
    return page.locator(f'svg g.mark-rect path[fill="{CAMPAIGN_FILL}"]')


def test_the_verdict_and_the_campaign_marker_are_shown(atlas_server, page):
    page.set_default_timeout(60_000)
    page.goto(f"{atlas_server.url}/trends?dates=all")
    page.get_by_role("heading", name="Did the campaign week work?").wait_for()
    page.get_by_text(SENTENCE).wait_for()
    assert page.get_by_text(re.compile(r"^Referrals per week in Barnet ")).count() == 2
    page.get_by_text(re.compile(r"Count per 2 weeks")).first.wait_for()
    # the campaign fortnight is shaded and labelled on the chart (vega draws SVG)
    campaign_band(page).first.wait_for()
    assert campaign_band(page).count() == 1
    label = page.locator("svg g.mark-text text", has_text=CAMPAIGN_LABEL)
    assert label.count() == 1
    chart = page.locator('[aria-label*="campaign fortnight"]')
    assert chart.count() >= 1, page.locator("svg.marks").first.evaluate(
        "e => e.outerHTML.slice(0, 600)")
    assert page.get_by_text("The shaded band marks the campaign fortnight, 18 Sep 2023").count()
    page.screenshot(path=str(ARTIFACTS / "trends.png"), full_page=True)
    page.get_by_text(SENTENCE).scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "trends-verdict.png"))


def test_no_marker_when_the_campaign_is_outside_the_dates(atlas_server, page):
    page.set_default_timeout(60_000)
    page.goto(f"{atlas_server.url}/trends?dates=last-4-weeks")
    page.get_by_text(re.compile("is outside the dates chosen")).wait_for()
    page.locator("svg g.mark-line").first.wait_for()  # the chart is drawn...
    assert campaign_band(page).count() == 0  # ...without the band
    # the verdict does not depend on the chosen dates
    page.get_by_text(SENTENCE).wait_for()
