"""Login and logout pages."""

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from webapp.auth import bp, services
from webapp.auth.forms import ChangePasswordForm, LoginForm
from webapp.ratelimit import failed, limiter, login_limit
from webapp.security import safe_next

TOO_MANY = "Too many sign-in attempts from your network. Wait a minute and try again."


def _too_many_attempts(_limit):
    """The sign-in form again, with what to do, when the address has used up its attempts."""
    form = LoginForm()
    form.password.errors = [TOO_MANY]
    return make_response(render_template("auth/login.html", form=form))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"], deduct_when=failed, on_breach=_too_many_attempts, scope="login")
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.LoginRefused as refused:
            form.password.errors.append(str(refused))
        else:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), 200 if not form.errors else 422


@bp.post("/logout")
def logout():
    """Sign out everywhere: this session, copies of its cookie and remember-me cookies stop working."""
    if current_user.is_authenticated:
        services.end_sessions(current_user.id)
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


def _kept_signed_in():
    """This browser chose "Keep me signed in" (it holds a remember cookie)."""
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """The signed-in user's account: change the password (other sessions end, this one goes on)."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            user = services.change_password(current_user.id, form.current_password.data, form.new_password.data)
        except services.LoginRefused as refused:
            form.current_password.errors.append(str(refused))
        else:
            login_user(user, remember=_kept_signed_in())  # this session goes on under the new session version
            flash("Your password is changed. Your other sessions are signed out.", "success")
            return redirect(url_for(".account"))
    return render_template("auth/account.html", form=form), 422 if form.errors else 200
