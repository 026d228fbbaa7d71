from .frameworks import Framework, FrameworkVersion, Outcome
from .records import EvidenceItem, SignOff, SignOffRequest

__all__ = ["EvidenceItem", "Framework", "FrameworkVersion", "Outcome", "SignOff", "SignOffRequest"]
