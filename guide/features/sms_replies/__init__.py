"""SMS replies: Twilio's webhooks, keywords and conversations, and the staff inbox and replies."""
