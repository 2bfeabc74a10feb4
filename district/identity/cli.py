"""``pingshan-feed users add|list|remove``: the users file's command line (:func:`users_main`)."""

from __future__ import annotations

import getpass
import sys

from district.identity.files import CliParser, UsageError, file_command
from district.identity.users import UserDirectory


def _users_parser() -> CliParser:
    parser = CliParser(prog="pingshan-feed users", description="管理用户文件（账号、角色、范围、密码散列）")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=CliParser)
    add = sub.add_parser("add", help="添加用户（密码两次输入，或 --password-stdin 从标准输入读一行）")
    add.add_argument("username")
    add.add_argument("--role", required=True, help="viewer / operator / supervisor / administrator")
    add.add_argument("--scope", required=True, help="district 或街道 id")
    add.add_argument("--name", help="显示名（默认同用户名）")
    add.add_argument("--file", required=True, help="用户文件（JSON）；不存在则新建")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（一行）")
    lst = sub.add_parser("list", help="列出用户（不显示密码散列）")
    lst.add_argument("--file", required=True)
    rm = sub.add_parser("remove", help="删除用户")
    rm.add_argument("username")
    rm.add_argument("--file", required=True)
    return parser


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    try:
        first = getpass.getpass("密码：")
        second = getpass.getpass("再次输入密码：")
    except (EOFError, KeyboardInterrupt):
        raise UsageError(2, "未输入密码\n") from None
    if first != second:
        raise UsageError(2, "两次输入的密码不一致\n")
    return first


def users_main(argv: list[str]) -> int:
    """``pingshan-feed users add|list|remove …`` (``argv`` starts after ``users``); see :func:`file_command`."""
    def run() -> int:
        args = _users_parser().parse_args(argv)
        directory = UserDirectory.load(args.file, missing_ok=args.command == "add")
        if args.command == "list":
            for user in directory.users():
                print(f"{user.username}\t{user.role}\t{user.scope}\t{user.name}")
            return 0
        if args.command == "remove":
            if directory.remove(args.username) is None:
                raise UsageError(2, f"用户文件 {args.file} 中没有用户 {args.username}\n")
            directory.save()
            print(f"已删除用户 {args.username}")
            return 0
        if args.username in directory:
            raise UsageError(2, f"用户 {args.username} 已存在\n")
        directory.check_account(args.username, args.role, args.scope, args.name)  # before asking for a password
        password = _read_password(args.password_stdin)
        user = directory.add(args.username, password, role=args.role, scope=args.scope, name=args.name)
        directory.save()
        print(f"已添加用户 {user.username}（{user.name}，{user.role}，{user.scope}）")
        return 0

    return file_command(run, "用户文件")
