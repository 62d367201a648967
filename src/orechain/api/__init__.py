"""REST API of OreChain: a thin FastAPI layer over the domain packages.

Build the application with :func:`orechain.api.app.create_app`; ``orechain serve``
runs it under uvicorn.
"""
