"""The synthetic studio: a procedural 3D dancer performs a written choreography, with
the truth of every step written beside it, rendered as a video the pose backend sees
like a real dancer (see ../shared/DESIGN.md, "Ground truth: the synthetic studio")."""
