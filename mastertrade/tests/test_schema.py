"""The OpenAPI document is complete: every operation has a summary, a description,
request and response examples, and documented error responses."""

from drf_spectacular.generators import SchemaGenerator


def operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            yield f"{method.upper()} {path}", op


def test_every_operation_is_documented():
    problems = []
    for name, op in operations():
        if not op.get("summary") or not op.get("description"):
            problems.append(f"{name}: summary/description")
        body = op.get("requestBody")
        if body and not any(c.get("examples") for c in body["content"].values()):
            problems.append(f"{name}: request example")
        for code, response in op["responses"].items():
            examples = any(c.get("examples") for c in response.get("content", {}).values())
            if code.startswith("2") and "content" in response and not examples:
                problems.append(f"{name}: {code} example")
        if not any(code[0] in "45" for code in op["responses"]):
            problems.append(f"{name}: error responses")
    assert problems == []


def test_errors_share_one_documented_shape():
    for name, op in operations():
        for code, response in op["responses"].items():
            if code[0] in "45":
                refs = {c["schema"].get("$ref") for c in response["content"].values()}
                assert refs == {"#/components/schemas/Error"}, (name, code)
