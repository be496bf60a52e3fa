"""Schemathesis hooks for the contract stage (loaded through SCHEMATHESIS_HOOKS).

JSON Schema cannot state two kinds of refusal, so the API answers them with their
own documented codes (still 400, messages per field):

- `invalid_combination` — each value is valid, the combination is not (a deadline not
  after the start date, an exit before the entry, an open trade with exit fields), or a
  channel URL in the schema's one form (alerts.http.URL_PATTERN) that its channel type
  or this deployment does not take: a Slack URL off Slack's host, plain http off
  loopback, or a literal address `alerts.http.address_problem` refuses (private,
  loopback, link-local, 100.64/10, IPv4-mapped, in any notation: 0x0a000001, 2852039166,
  0251.0376.0251.0376);
- `unknown_reference` — an id in the body names no object of yours (a goal, a
  strategy, a candidate);
- `invalid_credentials` — the token endpoint's answer to a username and password that
  do not log in (schemathesis knows credential endpoints only from an OAuth2 tokenUrl).

A schema-valid request refused with exactly one of these codes is not a contract
failure; every other refusal of schema-valid data still is."""

import json

import schemathesis

RULE_CODES = {"invalid_combination", "unknown_reference", "invalid_credentials"}


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keep every failure except 'schema-valid request rejected' answered with a rule code."""
    if type(failure).__name__ != "RejectedPositiveData" or response.status_code != 400:
        return True
    try:
        code = json.loads(response.content).get("code")
    except (ValueError, AttributeError):
        return True
    return code not in RULE_CODES
