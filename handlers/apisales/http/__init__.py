"""HTTP edge helpers shared by the route modules: error shape and resolver wiring."""
