"""Running steps safely: classification, the supervised runner, redaction and the sanitiser."""
