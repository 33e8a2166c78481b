from centers import hooks


def test_providers_are_collected_in_order_and_registered_once(monkeypatch):
    monkeypatch.setattr(hooks, "_providers", hooks.defaultdict(list))

    def first(*, group):
        return [{"kind": "case", "label": f"{group}-1"}]

    def second(*, group):
        return [{"kind": "follow_up", "label": f"{group}-2"}]

    hooks.register("group_open_work", first)
    hooks.register("group_open_work", first)
    hooks.register("group_open_work", second)

    assert [item["label"] for item in hooks.collect_list("group_open_work", group="g")] == ["g-1", "g-2"]
    assert hooks.collect_list("nobody_listens", group="g") == []


def test_dict_points_merge(monkeypatch):
    monkeypatch.setattr(hooks, "_providers", hooks.defaultdict(list))
    hooks.register("station_figures", lambda **kw: {"sessions": 3})
    hooks.register("station_figures", lambda **kw: {"workshops": 2})
    assert hooks.collect_dict("station_figures", station=None, start=None, end=None) == {"sessions": 3, "workshops": 2}
