"""OpenAPI plumbing: the schema of strict decimals, strict request bodies
(`additionalProperties: false`), and links from creating responses to the
operations that use their ids (so a client generator and a stateful tester can follow
them). Apps declare their links with `links_add` in their `api/schema.py`."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension

NUMBER_RULE = (
    "Decimals travel as JSON strings in both directions. A JSON number for a decimal field is refused "
    "(400): it would pass through a binary float and could lose digits."
)


class StrictDecimalFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "mastertrade.core.serializers.StrictDecimalField"

    def map_serializer_field(self, auto_schema, direction):
        schema = {"type": "string", "format": "decimal"}
        if direction == "request":
            schema["pattern"] = self.target.pattern
            schema["description"] = NUMBER_RULE
        return schema


# {operationId: {status: {link name: {"operationId": ..., "parameters"|"requestBody": ...}}}}
_links: dict[str, dict[str, dict]] = {}


def links_add(operation_id: str, status: int, links: dict[str, dict]) -> None:
    """Declare OpenAPI links on one response of one operation."""
    _links.setdefault(operation_id, {}).setdefault(str(status), {}).update(links)


def link(operation_id: str, *, description: str = "", parameters=None, request_body=None) -> dict:
    """One OpenAPI link object (values are runtime expressions such as `$response.body#/id`)."""
    body = {"operationId": operation_id}
    if parameters:
        body["parameters"] = parameters
    if request_body is not None:
        body["requestBody"] = request_body
    if description:
        body["description"] = description
    return body


def postprocess(result, generator, request, public):
    """drf-spectacular postprocessing hook: strict request bodies, links."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            responses = operation.get("responses", {})
            if any(p.get("name") == "page" for p in operation.get("parameters", [])) and "400" not in responses:
                responses["400"] = {
                    "description": "Invalid page (an integer, 1 or more) or filter.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                }
            for status, links in _links.get(operation.get("operationId"), {}).items():
                response = operation.get("responses", {}).get(status)
                if response is not None:
                    response.setdefault("links", {}).update(links)
    return result
