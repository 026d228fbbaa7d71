import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from accounts.mfa import totp_activate
from accounts.models import User
from core.roles import Role

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    """A user with a verified primary e-mail who can sign in with PASSWORD."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@kapstone.test")
    full_name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=[Role(r).value for r in extracted]))


def with_totp(user):
    """Give the user an authenticator app, as trainers, admins and editors must have."""
    totp_activate(user=user)
    return user
