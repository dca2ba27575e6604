"""Login and logout pages."""

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from webapp.auth import bp, services
from webapp.auth.forms import ChangePasswordForm, LoginForm


def safe_next(target):
    """Only same-site paths are followed after login."""
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("main.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, request.remote_addr or "unknown")
        except services.LoginRefused as refused:
            form.password.errors.append(str(refused))
        else:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), 200 if not form.errors else 422


@bp.post("/logout")
def logout():
    """Sign out."""
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """The signed-in user's account: change the password."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user.id, form.current_password.data, form.new_password.data)
        except services.LoginRefused as refused:
            form.current_password.errors.append(str(refused))
        else:
            flash("Your password is changed.", "success")
            return redirect(url_for(".account"))
    return render_template("auth/account.html", form=form), 422 if form.errors else 200
