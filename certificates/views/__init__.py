"""The certificates app's views, by who uses them."""

from .api import credentials_verify
from .holders import certificate_credential, certificate_pdf, mine
from .manage import certificate_detail, cohort_matrix, issue, reissue, revoke
from .public import achievement, did_document, status_list, verify_code, verify_file

__all__ = [
    "achievement", "certificate_credential", "certificate_detail", "certificate_pdf",
    "cohort_matrix", "credentials_verify", "did_document", "issue",
    "mine", "reissue", "revoke", "status_list", "verify_code", "verify_file",
]
