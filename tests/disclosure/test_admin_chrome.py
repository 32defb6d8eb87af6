"""The admin's own chrome in Chinese: the app list's hidden table headers, the third-party sections'
model names, and the favicon linked from every admin page."""

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse


@pytest.mark.django_db
def test_the_app_lists_hidden_headers_and_the_login_lockout_models_are_chinese(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.gov.cn", "x"))
    body = client.get(reverse("admin:index")).content.decode()
    for english in ("Model name", "Add link", "Change or view list link", "Access attempts", "Access logs"):
        assert english not in body, english
    assert "登录失败记录" in body and "登录日志" in body


@pytest.mark.django_db
def test_every_admin_page_links_the_favicon_and_it_is_served_as_a_static_file(client, people):
    client.force_login(people["clerk"])
    body = client.get(reverse("admin:disclosure_disclosurerequest_changelist")).content.decode()
    assert 'rel="icon" href="/static/gongkai/favicon.svg"' in body
    path = finders.find("gongkai/favicon.svg")
    assert path and open(path, encoding="utf-8").read().startswith("<svg")
