"""GET /indicators: the lobby's figures per domain and hour next to the channels' indicators, as the contract says."""
from kcc.api.openapi import document
from tests.conftest import api_error
from tests.floor.test_lobby_figures import DAY, lobby_day


def test_the_lobby_figures_per_domain_and_hour_come_with_the_indicators(api, session):
    lobby_day(session)
    lead = api("ahmed", roles=["lead"], skills=[])
    body = lead.get(f"/indicators?from={DAY}&to={DAY}").get_json()
    assert (body["from"], body["to"]) == (DAY.isoformat(), DAY.isoformat())
    phone = next(r for r in body["indicators"] if r["domain"] == "burgerzaken" and r["channel"] == "phone")
    counter = next(r for r in body["indicators"] if r["domain"] == "burgerzaken" and r["channel"] == "counter")
    assert phone["contacts"] == 1 and counter["contacts"] == 5  # the existing rows, as they were
    lobby = {row["domain"]: row for row in body["lobby"]}
    assert list(lobby) == list(dict.fromkeys(r["domain"] for r in body["indicators"]))  # every domain, same order
    assert lobby["burgerzaken"] == {
        "domain": "burgerzaken", "visitors": 5, "called": 4, "wait_mean_s": 780, "wait_p90_s": 1800,
        "served": 2, "service_mean_s": 450, "service_p90_s": 600, "no_shows": 1, "left_before_turn": 1,
        "turned_away_missing": 2, "turned_away_not_at_counter": 1, "turned_away_closed": 0,
        "hours": [
            {"hour": 9, "visitors": 2, "called": 2, "wait_mean_s": 1200, "wait_p90_s": 1800,
             "served": 2, "service_mean_s": 450, "service_p90_s": 600},
            {"hour": 10, "visitors": 2, "called": 1, "wait_mean_s": 600, "wait_p90_s": 600,
             "served": 0, "service_mean_s": None, "service_p90_s": None},
            {"hour": 11, "visitors": 1, "called": 1, "wait_mean_s": 120, "wait_p90_s": 120,
             "served": 0, "service_mean_s": None, "service_p90_s": None}]}
    assert (lobby["sociaal"]["visitors"], lobby["sociaal"]["service_mean_s"], lobby["sociaal"]["turned_away_closed"],
            lobby["sociaal"]["turned_away_missing"]) == (1, 2400, 1, 0)
    assert lobby["vergunningen"]["visitors"] == 0 and lobby["vergunningen"]["hours"] == []
    assert lobby["vergunningen"]["wait_mean_s"] is None
    # the contract names exactly these fields
    schemas = document()["components"]["schemas"]
    assert set(lobby["burgerzaken"]) == set(schemas["LobbyDomain"]["properties"]) == set(
        schemas["LobbyDomain"]["required"])
    assert set(lobby["burgerzaken"]["hours"][0]) == set(schemas["LobbyHour"]["properties"])
    response_schema = document()["paths"]["/indicators"]["get"]["responses"]["200"]["content"]["application/json"]
    assert set(body) == set(response_schema["schema"]["required"])


def test_one_domains_lobby_figures_and_who_may_read_them(api, session):
    lobby_day(session)
    senior = api("tom", roles=["senior"], skills=[])
    body = senior.get(f"/indicators?domain=sociaal&from={DAY}").get_json()
    assert [row["domain"] for row in body["lobby"]] == ["sociaal"]
    assert body["lobby"][0]["hours"] == [{"hour": 9, "visitors": 1, "called": 1, "wait_mean_s": 60, "wait_p90_s": 60,
                                          "served": 1, "service_mean_s": 2400, "service_p90_s": 2400}]
    api_error(senior.get("/indicators?domain=nergens"), 404, "not_found")
    agent = api("fatima", roles=["agent"])
    api_error(agent.get(f"/indicators?from={DAY}"), 403, "forbidden")
