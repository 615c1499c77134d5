"""The review web page: agents see and dispute their flags, supervisors and QA decide."""
