"""SQL text: splitting input into statements and reading what each one is. No database, no shell state:
every function here takes text (and the server parameters that change how text is read) and returns
plain data.
"""
