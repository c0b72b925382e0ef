from django import forms


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What will use it, such as “monthly report script”.", label="Token name"
    )
