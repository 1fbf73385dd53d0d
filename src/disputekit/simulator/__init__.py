"""A faithful local stand-in for the AliExpress Open Platform (reference/aliexpress-api.md).

``Gateway`` holds the state and answers ``/sync`` calls; ``create_app`` puts it behind
Starlette; ``serve`` / ``serve_in_thread`` run it with uvicorn on 127.0.0.1.
"""
