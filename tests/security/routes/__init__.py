"""Permission-matrix declarations, one module per app; each module defines ROUTES (a list of Route).

Adding a page: one `route(...)` line saying who reaches it; for a URL with an object in it, a
`target` function building the object in each scope. See tests/security/matrix.py.
"""
