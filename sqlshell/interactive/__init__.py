"""The REPL and what only a person at a terminal needs: the prompt, completion, highlighting, toolbar,
history, pager and key bindings. Scripts never import this package.
"""
