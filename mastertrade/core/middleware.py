import uuid

from django.http import JsonResponse


class RequestIdMiddleware:
    """Give every request an id (or keep a sane X-Request-ID) and echo it back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")  # not request.headers: that parses every header
        request.request_id = (
            incoming
            if incoming.isascii() and 8 <= len(incoming) <= 64 and incoming.replace("-", "").isalnum()
            else uuid.uuid4().hex
        )
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


API_ERRORS = {
    400: ("bad_request", "Bad request."),
    403: ("permission_denied", "Forbidden."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "Method not allowed."),
    413: ("payload_too_large", "The request body is too large."),
}


class ApiErrorShapeMiddleware:
    """Every error under /api/ leaves as JSON in the one error shape, also those Django
    answers before (or instead of) a DRF view: an unmatched route (404), a wrong method
    on a plain Django view (405), and Django's HTML debug pages when DEBUG is on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith("/api/")
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        if response.status_code >= 500:
            body = {"code": "server_error", "request_id": getattr(request, "request_id", None)}
        else:
            code, message = API_ERRORS.get(response.status_code, ("error", "The request failed."))
            body = {"code": code, "message": message}
        shaped = JsonResponse(body, status=response.status_code)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                shaped[header] = response[header]
        return shaped
