"""SQLAlchemy 2 typed models, one module per entity family; imported here so Alembic sees them all."""

from guide.models.feedback import PageFeedback

__all__ = ["PageFeedback"]
