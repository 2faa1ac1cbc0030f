"""The kinds of background work that get a queue of their own, and which tasks go where."""

QUEUE_KINDS = ("email", "baking", "bulk", "webhooks")
TASK_QUEUE_KIND = {
    "badges.tasks.send_award_email": "email",
    "badges.tasks.send_award_emails": "email",
    "badges.tasks.resend_award_email": "email",
    "badges.tasks.send_expiry_reminder": "email",
    "badges.tasks.send_expiry_digest": "email",
    "badges.tasks.bake_credential": "baking",
    "badges.tasks.bake_credentials": "baking",
    # bulk.tasks, under the names they had in badges.tasks (see bulk/tasks.py).
    "badges.tasks.send_bulk_job_report": "email",
    "badges.tasks.process_bulk_job": "bulk",
    "badges.tasks.undo_bulk_job": "bulk",
    # Outbound HTTP to issuers' servers: a slow receiver must never hold up awards or e-mail.
    "webhooks.tasks.deliver_webhooks": "webhooks",
    "webhooks.tasks.deliver_webhook": "webhooks",
    "webhooks.tasks.deliver_due_webhooks": "webhooks",
}
