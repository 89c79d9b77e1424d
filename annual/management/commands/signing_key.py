from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from annual.pdf.signing import SigningError, deployment_key_paths, ensure_deployment_key, own_certificate


class Command(BaseCommand):
    help = (
        "说明哪个密钥为审核通过的定稿 PDF 签名；使用本系统自己的密钥时，若尚未生成则在状态目录中生成"
        "（密钥和自签名证书以部署名称命名）。"
    )

    def handle(self, *args, **options):
        kind = settings.PDF_SIGNING["kind"]
        if kind == "deployment":
            ensure_deployment_key()
            key, cert_path = deployment_key_paths()
            self.stdout.write(f"签名密钥：本系统自己的密钥 {key}（证书 {cert_path}）")
        else:
            self.stdout.write(f"签名密钥：由环境变量 DJANGO_SIGNING_* 指定（{kind}）")
        try:
            cert = own_certificate()
        except SigningError as exc:
            raise CommandError(str(exc)) from None
        if cert is None:
            raise CommandError("无法取得签名证书，请检查 DJANGO_SIGNING_* 设置")
        self.stdout.write(f"证书主体：{cert.subject.human_friendly}")
        self.stdout.write(f"证书 SHA-256 指纹：{cert.sha256.hex()}")
