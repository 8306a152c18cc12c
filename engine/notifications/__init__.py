"""The message centre (站内消息): what each user is told — new tasks, returns, alerts raised on
their projects, deadlines approaching and passed, decisions on their projects — produced by a
sweep the background work runs (sweep.py), read and muted by the user (centre.py), and sent by
e-mail where a channel is configured (mail.py)."""
