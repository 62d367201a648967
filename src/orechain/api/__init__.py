"""REST API of OreChain: a thin FastAPI layer over the domain packages.

Build the application with :func:`orechain.server.create_app`; ``orechain serve``
runs it under uvicorn.
"""
