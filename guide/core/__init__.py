"""Infrastructure every feature may use, knowing no feature: configuration, extensions, languages, content,
time, logs, security, phones, PDF, uploads, templating, shared form fields, the access log."""
