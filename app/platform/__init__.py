"""The workflow platform every business area shares, knowing none of them: deploying definitions, running instances
(one engine step saved with its projections and events), the inbox and task rules, forms, drafts and attachments,
timers and deadlines, messages, the hash-chained history and its audit, backups."""
