from django.shortcuts import render

from accounts.permissions import role_required


@role_required()
def home(request):
    """The landing page after login: where this user's role can go."""
    return render(request, "home.html")
