"""Password reset on Django's views, with the platform's answers: the same for every e-mail address, a 429 only
for a client address over its limit, and a new password lifts the account's sign-in lockout."""

from __future__ import annotations

from typing import Any

from axes.utils import reset as axes_reset
from django.contrib.auth import views as auth_views
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext

from accounts import services
from config.client_address import client_address


class PasswordResetView(auth_views.PasswordResetView):
    def form_valid(self, form: Any) -> HttpResponse:
        try:
            services.password_reset_request(
                email=form.cleaned_data["email"], client_address=client_address(self.request)
            )
        except services.TooManyRequests as exc:
            minutes = -(-exc.retry_after // 60)
            form.add_error(
                None,
                gettext("Too many reset links were asked for from your network. Try again in %(minutes)d min.")
                % {"minutes": minutes},
            )
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = str(exc.retry_after)
            return response
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        # A new password chosen through the e-mailed link proves control of the account: its failed sign-ins are
        # forgotten, so a lockout by someone guessing its password ends. Failures at other accounts still count
        # against their client addresses.
        axes_reset(username=self.user.get_username())
        return response
