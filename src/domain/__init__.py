"""The Parley domain: conversations, their participants, chat sessions and messages.

Plain Python only: no I/O, no framework, time always passed in.
"""
