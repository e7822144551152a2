"""The shared analysis: handlers, reachability, module state and request-data
flow for one module, built once and read by every rule and autofix."""
from .model import ModuleModel, SkippedFile, build_model

__all__ = ["ModuleModel", "SkippedFile", "build_model"]
