"""What the server does in HTTP, whichever API a request is for: connections, admission and shedding, the
guard, the fast lane, bodies, responses and the OpenAPI pieces the APIs share."""
