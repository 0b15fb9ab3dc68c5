import inspect

from domain import errors


def test_every_named_domain_error_is_a_domain_error():
    named = [
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if cls.__module__ == errors.__name__ and cls is not errors.DomainError
    ]

    assert len(named) == 12
    assert all(issubclass(cls, errors.DomainError) for cls in named)
