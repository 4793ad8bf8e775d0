def test_start_live(live_server: str) -> None:
    assert live_server
