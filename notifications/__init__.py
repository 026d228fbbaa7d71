"""E-mail to people: ``notify(to, template, context)`` renders ``templates/email/`` and
hands the rendered message to the sealed ``send_email`` job.

A low layer: it knows jobs and templates, not the domain apps, which call it."""
