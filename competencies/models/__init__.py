from .frameworks import Framework, FrameworkVersion, Outcome, PublishedVersionError
from .records import EvidenceItem, SignOff, SignOffRequest

__all__ = ["EvidenceItem", "Framework", "FrameworkVersion", "Outcome", "PublishedVersionError", "SignOff", "SignOffRequest"]
