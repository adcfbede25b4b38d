"""A module that defines no Agent subclass."""


class NotAnAgent:
    strategy = "nothing"
