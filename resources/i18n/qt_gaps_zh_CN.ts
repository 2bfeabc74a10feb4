<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<!-- Qt's own strings that Qt's qt_zh_CN.qm leaves English (Qt 6.11), seen in the duty
     console's dialogs. Written by hand (not collected by lupdate); compiled by
     scripts/build_translations.sh; installed by widgets/i18n.py after Qt's catalogue. -->
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>QFileDialog</name>
    <message>
        <source>&amp;Look in:</source>
        <translation>查找范围(&amp;L)：</translation>
    </message>
    <message>
        <source>Files of &amp;type:</source>
        <translation>文件类型(&amp;T)：</translation>
    </message>
</context>
</TS>
