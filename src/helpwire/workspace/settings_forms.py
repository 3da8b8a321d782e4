"""Forms of the admin settings screens [TM1, TK4, TK5, TK7, CH10].

Forms only read and check input; the views write (through the account actions, or plain
model writes for settings objects). The option parsers for list and nested-list custom
fields live here too, with their inverse for the edit form.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from helpwire.accounts.models import Agent, Group, Role
from helpwire.automation import template_inputs
from helpwire.automation.models import ReplyTemplate
from helpwire.calendars.models import Calendar
from helpwire.connectors.models import Channel
from helpwire.conversations import rendering
from helpwire.sla import actions as sla_actions
from helpwire.sla.models import SlaPolicy
from helpwire.tickets import tags as tag_tree
from helpwire.tickets.actions import SETTABLE_STATUSES
from helpwire.tickets.models import (
    TAG_SEPARATOR,
    CustomField,
    FieldKind,
    Priority,
    Status,
    Tag,
)

# The variables a reply template may use (helpwire.conversations.rendering fills them in).
TEMPLATE_VARIABLES: list[tuple[str, Any]] = [("{{" + name + "}}", label)
                                             for name, label in rendering.VARIABLES]
MAX_OPTION_DEPTH = 5
MAX_OPTION_LENGTH = 200


def _checkboxes(queryset: Any, label: Any, help_text: Any = "") -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset=queryset, required=False, label=label, help_text=help_text,
        widget=forms.CheckboxSelectMultiple)


# --- options of list and nested-list custom fields ------------------------------------------


def _check_option(value: str, number: int) -> None:
    if len(value) > MAX_OPTION_LENGTH:
        raise ValidationError(
            _("Line %(line)s is longer than %(max)s characters."), code="option_too_long",
            params={"line": number, "max": MAX_OPTION_LENGTH})


def parse_list_options(text: str) -> list[str]:
    """One option a line; blank lines are skipped, surrounding spaces dropped."""
    options: list[str] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        value = line.strip()
        if not value:
            continue
        _check_option(value, number)
        if value in options:
            raise ValidationError(_("Option “%(value)s” is listed twice."),
                                  code="duplicate_option", params={"value": value})
        options.append(value)
    return options


def parse_nested_options(text: str) -> list[dict[str, Any]]:
    """An indented outline → the option tree of a nested list.

    "Качество\\n  Брак\\n  Не та модель\\nЗадержка" →
    [{"value": "Качество", "children": [{"value": "Брак"}, {"value": "Не та модель"}]},
     {"value": "Задержка"}]

    A line indented deeper than the line above is its child; a line indented like an earlier
    line is that line's sibling. Tabs count as four spaces. Nodes without children have no
    "children" key.
    """
    roots: list[dict[str, Any]] = []
    # (indent, node, depth) of the open ancestors of the next line
    stack: list[tuple[int, dict[str, Any], int]] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.expandtabs(4).rstrip()
        value = line.strip()
        if not value:
            continue
        _check_option(value, number)
        indent = len(line) - len(line.lstrip(" "))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if stack:
            parent, depth = stack[-1][1], stack[-1][2] + 1
            siblings = parent.setdefault("children", [])
        else:
            depth, siblings = 1, roots
        if depth > MAX_OPTION_DEPTH:
            raise ValidationError(
                _("Line %(line)s is nested deeper than %(max)s levels."), code="option_too_deep",
                params={"line": number, "max": MAX_OPTION_DEPTH})
        if any(node["value"] == value for node in siblings):
            raise ValidationError(_("Option “%(value)s” is listed twice at the same level."),
                                  code="duplicate_option", params={"value": value})
        node: dict[str, Any] = {"value": value}
        siblings.append(node)
        stack.append((indent, node, depth))
    return roots


def format_options(kind: str, options: Any) -> str:
    """The stored options as the text the edit form shows (inverse of the parsers)."""
    if not isinstance(options, list):
        return ""
    if kind == FieldKind.NESTED:
        lines: list[str] = []

        def walk(nodes: list[Any], depth: int) -> None:
            for node in nodes:
                value = node.get("value") if isinstance(node, dict) else node
                lines.append("  " * depth + str(value))
                if isinstance(node, dict):
                    walk(node.get("children") or [], depth + 1)

        walk(options, 0)
        return "\n".join(lines)
    return "\n".join(str(o.get("value") if isinstance(o, dict) else o) for o in options)


# --- agents -----------------------------------------------------------------------------------


def _role_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Role"), choices=Role.choices, initial=Role.AGENT,
        help_text=_("Administrators manage settings; supervisors see every ticket; agents see "
                    "their groups' tickets; contractors see only tickets given to them and "
                    "no client contacts."))


class AgentCreateForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    name = forms.CharField(label=_("Name"), max_length=150)
    role = _role_field()
    groups = _checkboxes(Group.objects.order_by("name"), _("Groups"))
    password = forms.CharField(
        label=_("Password"), required=False, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to generate one; it is shown once on the next page."))

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if Agent.objects.filter(email__iexact=email).exists():
            raise ValidationError(_("An agent with this email already exists."),
                                  code="agent_exists")
        return email

    def clean_password(self) -> str:
        password = self.cleaned_data.get("password") or ""
        if password:
            password_validation.validate_password(password)
        return password


class AgentEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    role = _role_field()
    groups = _checkboxes(Group.objects.order_by("name"), _("Groups"))

    def __init__(self, *args: Any, agent: Agent, editor: Agent, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {
            "name": agent.name, "role": agent.role, "groups": list(agent.groups.all())})
        super().__init__(*args, **kwargs)
        self.agent, self.editor = agent, editor
        if agent.pk == editor.pk:
            self.fields["role"].disabled = True
            self.fields["role"].help_text = _("You cannot change your own role.")


# --- groups ------------------------------------------------------------------------------------


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    calendar = forms.ModelChoiceField(
        queryset=Calendar.objects.all(), required=False, label=_("Working hours"),
        empty_label=_("The company default"),
        help_text=_("Deadlines and working-hours rules of this group's tickets count by it."))
    sla_policy = forms.ModelChoiceField(
        queryset=SlaPolicy.objects.all(), required=False, label=_("SLA policy"),
        empty_label=_("The default policy"),
        help_text=_("A ticket moved to this group switches to it, counted from the start."))

    def __init__(self, *args: Any, group: Group | None = None, **kwargs: Any) -> None:
        if group is not None:
            kwargs.setdefault("initial", {
                "name": group.name, "description": group.description,
                "calendar": group.calendar_id,
                "sla_policy": sla_actions.group_policy_ids([group.pk]).get(group.pk)})
        super().__init__(*args, **kwargs)
        self.group = group

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        others = Group.objects.all()
        if self.group is not None:
            others = others.exclude(pk=self.group.pk)
        # Compared in Python: SQLite's case-insensitive match covers ASCII letters only.
        if any(n.casefold() == name.casefold() for n in others.values_list("name", flat=True)):
            raise ValidationError(_("A group with this name already exists."),
                                  code="group_exists")
        return name


# --- tags --------------------------------------------------------------------------------------


class TagCreateForm(forms.Form):
    path = forms.CharField(
        label=_("Full path"), max_length=500,
        help_text=_("Levels are separated by “›”, “>” or “/”, e.g. “Доставка › Сроки › "
                    "Задержка”. Missing levels are created."))

    def clean_path(self) -> str:
        parts = tag_tree.split_path(self.cleaned_data["path"])
        path = TAG_SEPARATOR.join(parts)
        if len(path) > 500:
            raise ValidationError(_("The full path is too long."), code="invalid_tag")
        return path


class TagRenameForm(forms.Form):
    name = forms.CharField(label=_("New name"), max_length=100)

    def __init__(self, *args: Any, tag: Tag, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"name": tag.name})
        super().__init__(*args, **kwargs)
        self.tag = tag

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if tag_tree.has_separator(name):
            raise ValidationError(_("A tag name cannot contain “›”, “>” or “/”; to move a "
                                    "tag, create it under its new parent."), code="invalid_tag")
        siblings = Tag.objects.filter(parent_id=self.tag.parent_id, name=name).exclude(
            pk=self.tag.pk)
        if siblings.exists():
            raise ValidationError(_("This level already has a tag with this name."),
                                  code="tag_exists")
        longest = max([len(t.path) for t in tag_tree.subtree(self.tag)] or [0])
        if longest - len(self.tag.name) + len(name) > 500:
            raise ValidationError(_("The full paths below this tag would be too long."),
                                  code="invalid_tag")
        return name


# --- custom fields -------------------------------------------------------------------------------


class CustomFieldForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=100)
    key = forms.SlugField(
        label=_("Key"), max_length=64,
        help_text=_("Latin letters, digits, “-” and “_”; used by the API and rules."))
    kind = forms.ChoiceField(label=_("Kind"), choices=FieldKind.choices)
    options = forms.CharField(
        label=_("Options"), required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "class": "code", "spellcheck": "false"}),
        help_text=_("List: one option a line. Nested list: indent sub-options by two "
                    "spaces under their parent. Text and checkbox fields have no options."))
    required = forms.BooleanField(
        label=_("Required"), required=False,
        help_text=_("A ticket cannot be solved or closed while this field is empty."))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    channels = _checkboxes(Channel.objects.order_by("name"), _("Channels"),
                           _("Tick none to show the field on every channel."))
    position = forms.IntegerField(label=_("Position"), min_value=0, initial=0,
                                  help_text=_("Fields are shown in ascending order."))

    def __init__(self, *args: Any, field: CustomField | None = None, **kwargs: Any) -> None:
        if field is not None:
            kwargs.setdefault("initial", {
                "label": field.label, "key": field.key, "kind": field.kind,
                "options": format_options(field.kind, field.options),
                "required": field.required, "is_active": field.is_active,
                "channels": list(field.channels.all()), "position": field.position,
            })
        super().__init__(*args, **kwargs)
        self.field = field
        text = self["options"].value() or ""
        self.fields["options"].widget.attrs["rows"] = min(max(8, text.count("\n") + 2), 30)

    def clean_key(self) -> str:
        key = self.cleaned_data["key"]
        clash = CustomField.objects.filter(key=key)
        if self.field is not None:
            clash = clash.exclude(pk=self.field.pk)
        if clash.exists():
            raise ValidationError(_("Another field already uses this key."), code="field_exists")
        return key

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, text = data.get("kind"), data.get("options") or ""
        parsed: list[Any] = []
        try:
            if kind == FieldKind.LIST:
                parsed = parse_list_options(text)
            elif kind == FieldKind.NESTED:
                parsed = parse_nested_options(text)
        except ValidationError as exc:
            self.add_error("options", exc)
            return data
        if kind in (FieldKind.LIST, FieldKind.NESTED) and not parsed:
            self.add_error("options", ValidationError(
                _("A list needs at least one option."), code="no_options"))
        data["options"] = parsed
        return data


# --- reply templates ------------------------------------------------------------------------------


class ReplyTemplateForm(forms.Form):
    section = forms.CharField(
        label=_("Section"), required=False, max_length=300,
        help_text=_("A path in the template tree, e.g. “Финансы › Возвраты”; empty for the "
                    "top level."))
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), strip=False,
                           widget=forms.Textarea(attrs={"rows": 10}))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    # What sending a reply made from the template also does [TK7].
    add_tags = forms.CharField(label=_("Sending it adds the tags"), required=False,
                               max_length=2000, help_text=_("Separated by commas."))
    remove_tags = forms.CharField(label=_("…and removes the tags"), required=False,
                                  max_length=2000)
    set_status = forms.ChoiceField(label=_("…and sets the status"), required=False)
    set_priority = forms.ChoiceField(label=_("…and sets the priority"), required=False,
                                     choices=[("", "—"), *Priority.choices])

    def __init__(self, *args: Any, template: ReplyTemplate | None = None,
                 **kwargs: Any) -> None:
        if template is not None:
            initial = {"section": template.section, "title": template.title,
                       "body": template.body, "is_active": template.is_active}
            for action in template.actions or []:
                kind = action.get("type")
                if kind in ("add_tags", "remove_tags"):
                    initial[kind] = ", ".join(action["tags"])
                elif kind in ("set_status", "set_priority"):
                    initial[kind] = action["value"]
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.fields["set_status"].choices = [  # type: ignore[attr-defined]
            ("", "—"), *((s, label) for s, label in Status.choices if s in SETTABLE_STATUSES)]
        self.actions: list[dict[str, Any]] = []

    def clean_section(self) -> str:
        return template_inputs.section(self.cleaned_data.get("section") or "")

    def clean_body(self) -> str:
        return template_inputs.body(self.cleaned_data["body"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        wanted: list[dict[str, Any]] = []
        for kind in ("add_tags", "remove_tags"):
            tags = [t.strip() for t in (data.get(kind) or "").split(",") if t.strip()]
            if tags:
                wanted.append({"type": kind, "tags": tags})
        for kind in ("set_status", "set_priority"):
            if data.get(kind):
                wanted.append({"type": kind, "value": data[kind]})
        try:
            self.actions = template_inputs.actions(wanted)
        except ValidationError as e:
            self.add_error(None, e)
        return data


# --- channels -------------------------------------------------------------------------------------


class ChannelAccessForm(forms.Form):
    groups = _checkboxes(Group.objects.order_by("name"), _("Groups that see this channel"),
                         _("Tick none to open the channel to every group."))
    default_group = forms.ModelChoiceField(
        queryset=Group.objects.order_by("name"), required=False, label=_("Default group"),
        empty_label="—", help_text=_("New tickets from this channel go to this group."))

    def __init__(self, *args: Any, channel: Channel, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"groups": list(channel.groups.all()),
                                      "default_group": channel.default_group})
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        groups, default = data.get("groups"), data.get("default_group")
        if groups and default is not None and default not in groups:
            self.add_error("default_group", ValidationError(
                _("The default group must be one of the groups that see the channel, or its "
                  "agents will not see the new tickets."), code="default_group_hidden"))
        return data
