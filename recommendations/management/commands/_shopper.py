"""Find a shopper by id, username or e-mail for the right-of-access/erasure commands."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db.models import Q


def find_user(ident):
    User = get_user_model()
    query = Q(username=ident) | Q(email__iexact=ident)
    if ident.isdigit():
        query |= Q(pk=int(ident))
    matches = list(User.objects.filter(query)[:2])
    if not matches:
        raise CommandError(f"No user with id, username or e-mail {ident!r}.")
    if len(matches) > 1:
        raise CommandError(f"{ident!r} matches several users; give the user id instead.")
    return matches[0]
