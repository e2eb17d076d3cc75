"""template.yaml's operations (issue 12): alarms on the 5xx rate, dead letters, old pending work
and connections needing reconnect, sent to an SNS topic that exists only when AlarmEmail is
given; a dashboard whose body is valid JSON; nothing added grants a function anything; X-Ray off."""

from __future__ import annotations

import json
import re
from typing import Any

from local.template import Tag, load_template

TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
ALARMS = {name: r for name, r in RESOURCES.items() if r["Type"] == "AWS::CloudWatch::Alarm"}


def test_the_four_alarms_exist_and_name_themselves_after_the_stack() -> None:
    assert set(ALARMS) == {
        "ApiErrorRateAlarm",
        "DeadLetterAlarm",
        "OldestPendingWorkAlarm",
        "ConnectionsNeedingReconnectAlarm",
    }
    for alarm in ALARMS.values():
        name = alarm["Properties"]["AlarmName"]
        assert isinstance(name, Tag)
        assert name.value.startswith("${AWS::StackName}-")  # `vclinks status --stack` finds them


def test_alarms_go_to_the_topic_only_when_an_email_is_given() -> None:
    assert TEMPLATE["Parameters"]["AlarmEmail"]["Default"] == ""
    assert RESOURCES["AlarmTopic"]["Condition"] == "HasAlarmEmail"
    assert RESOURCES["AlarmTopic"]["Properties"]["Subscription"][0]["Protocol"] == "email"
    for name, alarm in ALARMS.items():
        actions = alarm["Properties"]["AlarmActions"]
        assert isinstance(actions, Tag), name
        assert actions.name == "If"
        condition, when, otherwise = actions.value
        assert condition == "HasAlarmEmail"
        assert [a.value for a in when] == ["AlarmTopic"]
        assert otherwise.value == "AWS::NoValue"


def test_the_dashboard_body_is_json() -> None:
    body = RESOURCES["HealthDashboard"]["Properties"]["DashboardBody"]
    filled = re.sub(r"\$\{[^}]+\}", "x", body.value)
    widgets = json.loads(filled)["widgets"]
    assert [w["properties"]["title"] for w in widgets][:3] == ["Alarms", "API answers", "Pending work"]


def test_x_ray_is_off_and_no_function_was_granted_anything_for_operations() -> None:
    assert TEMPLATE["Globals"]["Function"]["Tracing"] == "PassThrough"
    text = str(TEMPLATE)
    for action in ("cloudwatch:", "sns:", "xray:"):
        assert action not in text
