"""The facilitators' web dashboard: /dashboard in chat sends a one-time login link; the
pages show each cohort's progress, needs and surveys, the interviews and announcements,
the practice review queue (approve or return, the same
path as /practice approve|return) and the audit log, each downloadable as CSV."""

from __future__ import annotations

from pathlib import Path

from bot.commands import Command, CommandRegistry
from bot.i18n import N_
from bot.scope import Reach
from handlers.dashboard import interviews, login, pages, review, surveys
from handlers.dashboard.command import dashboard_command


def setup(registry: CommandRegistry) -> None:
    registry.add(Command("dashboard", dashboard_command,
                         N_("A private link to the web dashboard of your cohorts"),
                         facilitator_only=True, scope=Reach.REPORT))
    web = registry.web
    web.add_templates("dashboard", Path(__file__).resolve().parent / "templates")
    web.get("/dashboard/login", login.login_form, "dashboard-login-form")
    web.post("/dashboard/login", login.login, "dashboard-login")
    web.post("/dashboard/logout", login.logout, "dashboard-logout")
    web.get("/dashboard", pages.home, "dashboard")
    web.get("/dashboard/cohorts/{code}", pages.cohort, "dashboard-cohort")
    web.get("/dashboard/cohorts/{code}/progress.csv", pages.progress_csv,
            "dashboard-progress-csv")
    web.get("/dashboard/cohorts/{code}/surveys/{name}", surveys.results,
            "dashboard-survey")
    web.get("/dashboard/cohorts/{code}/surveys/{name}/answers.csv", surveys.results_csv,
            "dashboard-survey-csv")
    web.get("/dashboard/interviews", interviews.interviews, "dashboard-interviews")
    web.get("/dashboard/audit", pages.audit, "dashboard-audit")
    web.get("/dashboard/audit.csv", pages.audit_csv, "dashboard-audit-csv")
    web.get("/dashboard/practices", review.queue, "dashboard-practices")
    web.get("/dashboard/practices.csv", review.approved_csv, "dashboard-practices-csv")
    web.post("/dashboard/practices/{id}/approve", review.approve, "dashboard-approve")
    web.post("/dashboard/practices/{id}/return", review.return_practice, "dashboard-send-back")
