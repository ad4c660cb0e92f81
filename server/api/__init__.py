"""HTTP and websocket API, one module per kind of resource."""
