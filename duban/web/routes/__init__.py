"""Routes per area; each handler calls one service and renders one template."""
