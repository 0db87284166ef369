"""A select's options as the templates render them (`templating.option_tags`)."""

from practice.platform.templating import option_tags


def test_the_chosen_option_is_selected_and_every_text_is_escaped() -> None:
    html = str(option_tags([("1", "Bakker & Zn"), ("2", "<Visser>")], "2"))
    assert html == (
        '<option value="1">Bakker &amp; Zn</option>'
        '<option value="2" selected>&lt;Visser&gt;</option>'
    )


def test_no_option_is_selected_when_none_or_an_unknown_value_is_chosen() -> None:
    for chosen in (None, "", "3"):
        assert "selected" not in option_tags([("1", "A"), ("2", "B")], chosen)
