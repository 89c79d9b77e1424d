"""Password rules in Chinese.

Django 5.2's Simplified Chinese catalogue lacks the reworded minimum-length message, so the
stock validator answers in English; this one says the same thing in Chinese.
"""

from django.contrib.auth.password_validation import MinimumLengthValidator


class ChineseMinimumLengthValidator(MinimumLengthValidator):
    def get_error_message(self) -> str:
        return f"密码长度太短，至少需要 {self.min_length} 个字符。"

    def get_help_text(self) -> str:
        return f"密码至少需要 {self.min_length} 个字符。"
