"""The result page's radar: the first dimension on top, clockwise, the radial axis and its tick
labels halfway between the first two spokes (no spoke crosses them), long labels wrapped."""

from decimal import Decimal

import pytest

from diagnosis.results.charts import figure_data, radar


@pytest.mark.parametrize("count", [3, 4, 9])
def test_the_radial_tick_labels_lie_between_two_spokes(count):
    labels = [f"d{i}" for i in range(count)]
    layout = figure_data(radar(labels, [Decimal(50)] * count, name="r"))["layout"]["polar"]
    assert layout["angularaxis"]["rotation"] == 90 and layout["angularaxis"]["direction"] == "clockwise"
    step = 360 / count
    # Spokes at 90°, 90° - step, …: the axis sits at half a step from the first one.
    assert layout["radialaxis"]["angle"] == pytest.approx(90 - step / 2)
    assert layout["radialaxis"]["tickangle"] == layout["radialaxis"]["angle"]
    assert all(text.endswith("%") for text in layout["radialaxis"]["ticktext"])


def test_long_labels_are_wrapped_and_short_ones_kept():
    data = figure_data(radar(["Planning and governance", "设备系统", "Data"], [Decimal(1)] * 3, name="r"))
    assert data["data"][0]["theta"][:3] == ["Planning and<br>governance", "设备系统", "Data"]
